role-owners_committee = 业委会成员
may-manage_participation = 管理小区、发布通知、组织投票
may-view_participation = 查看通知阅读情况和投票进度
may-record_ballots = 录入纸质选票和委托
