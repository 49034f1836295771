-- A rebuilt weekly report (late sales) is a new version of the same period's report: the row keeps the latest
-- version's location; each version's files stay in the object store (docs/decisions/0016-report-periods-and-links.md).

ALTER TABLE reports ADD COLUMN report_version INTEGER NOT NULL DEFAULT 1 CHECK (report_version >= 1);
