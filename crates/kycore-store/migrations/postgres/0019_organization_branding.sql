-- Keep in step with ../sqlite/0019_organization_branding.sql.
-- An organization's own look on the hosted pages: shown to applicants on every page, so a
-- page asking for a passport says whose it is. One row per organization and environment
-- (a sandbox key never changes what live applicants see), written whole.
CREATE TABLE organization_branding (
    organization_id    TEXT NOT NULL REFERENCES organizations (id),
    environment        TEXT NOT NULL,
    display_name       TEXT,
    brand_color        TEXT,
    privacy_notice_url TEXT,
    data_controller    TEXT,
    support_email      TEXT,
    support_url        TEXT,
    logo               BYTEA,
    logo_content_type  TEXT,
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (organization_id, environment)
);
