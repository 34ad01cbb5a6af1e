-- Volunteers (志愿者): the registry, teams, activities with their shifts and sign-ups,
-- and the hours ledger (时间银行). Times are milliseconds since the Unix epoch, UTC;
-- dates are `YYYY-MM-DD` text in the community's time; lists of codes are stored as
-- `,code,code,` so that one code is found with LIKE '%,code,%'.

-- One entry per ledger record. `scope_path` is the grid where the resident lives (who
-- may see the entry); `area_path` the place they can cover (that grid or its community).
CREATE TABLE volunteers (
    id             INTEGER PRIMARY KEY,
    resident_id    BIGINT NOT NULL REFERENCES residents(id),
    user_id        BIGINT REFERENCES users(id),
    community_id   BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path     TEXT NOT NULL,
    area_id        BIGINT NOT NULL REFERENCES org_nodes(id),
    area_path      TEXT NOT NULL,
    skills         TEXT NOT NULL,
    availability   TEXT NOT NULL,
    vehicle        BIGINT NOT NULL DEFAULT 0,
    note           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    status_reason  TEXT,
    added_by_staff BIGINT NOT NULL DEFAULT 0,
    verified_at    BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX volunteers_resident ON volunteers(resident_id);
CREATE INDEX volunteers_scope ON volunteers(scope_path, id);
CREATE INDEX volunteers_user ON volunteers(user_id);

CREATE TABLE volunteer_teams (
    id            INTEGER PRIMARY KEY,
    community_id  BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path    TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    created_by    BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX volunteer_teams_scope ON volunteer_teams(scope_path, id);

CREATE TABLE volunteer_team_members (
    team_id       BIGINT NOT NULL REFERENCES volunteer_teams(id),
    volunteer_id  BIGINT NOT NULL REFERENCES volunteers(id),
    leader        BIGINT NOT NULL DEFAULT 0,
    added_at      BIGINT NOT NULL,
    PRIMARY KEY (team_id, volunteer_id)
);
CREATE INDEX volunteer_team_members_volunteer ON volunteer_team_members(volunteer_id);

-- An activity is published to a community or one of its grids (`scope_path`).
CREATE TABLE volunteer_activities (
    id            INTEGER PRIMARY KEY,
    community_id  BIGINT NOT NULL REFERENCES org_nodes(id),
    node_id       BIGINT NOT NULL REFERENCES org_nodes(id),
    scope_path    TEXT NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    place         TEXT NOT NULL,
    skills        TEXT NOT NULL DEFAULT ',',
    state         TEXT NOT NULL,
    organiser_id  BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX volunteer_activities_scope ON volunteer_activities(scope_path, id);

-- `taken` counts the places signed up or attended; a sign-up takes one only while
-- `taken < slots`, in the same statement.
CREATE TABLE volunteer_shifts (
    id           INTEGER PRIMARY KEY,
    activity_id  BIGINT NOT NULL REFERENCES volunteer_activities(id),
    on_date      TEXT NOT NULL,
    starts_at    BIGINT NOT NULL,
    ends_at      BIGINT NOT NULL,
    slots        BIGINT NOT NULL,
    taken        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX volunteer_shifts_activity ON volunteer_shifts(activity_id, starts_at);
CREATE INDEX volunteer_shifts_start ON volunteer_shifts(starts_at);

CREATE TABLE volunteer_signups (
    id            INTEGER PRIMARY KEY,
    shift_id      BIGINT NOT NULL REFERENCES volunteer_shifts(id),
    volunteer_id  BIGINT NOT NULL REFERENCES volunteers(id),
    state         TEXT NOT NULL,
    assigned_by   BIGINT REFERENCES users(id),
    minutes       BIGINT,
    confirmed_by  BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX volunteer_signups_place ON volunteer_signups(shift_id, volunteer_id);
CREATE INDEX volunteer_signups_volunteer ON volunteer_signups(volunteer_id, shift_id);

-- The hours ledger: appended only. A shift entry traces to its sign-up (and so its
-- shift and activity); a correction to the entry it corrects, with a reason.
CREATE TABLE volunteer_hours (
    id            INTEGER PRIMARY KEY,
    volunteer_id  BIGINT NOT NULL REFERENCES volunteers(id),
    kind          TEXT NOT NULL,
    minutes       BIGINT NOT NULL,
    served_on     TEXT NOT NULL,
    signup_id     BIGINT NOT NULL REFERENCES volunteer_signups(id),
    corrects_id   BIGINT REFERENCES volunteer_hours(id),
    reason        TEXT,
    recorded_by   BIGINT REFERENCES users(id),
    recorded_at   BIGINT NOT NULL
);
CREATE INDEX volunteer_hours_volunteer ON volunteer_hours(volunteer_id, id);
CREATE INDEX volunteer_hours_signup ON volunteer_hours(signup_id);
