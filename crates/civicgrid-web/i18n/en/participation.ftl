role-owners_committee = Owners' committee member
may-manage_participation = set up estates, write notices and run votes
may-view_participation = follow notice coverage and vote turnout
may-record_ballots = enter paper ballots and proxies
