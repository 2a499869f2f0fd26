-- Document metadata of the sample documents service (the bodies stay in the tenant data bucket).
-- Runs as tenancy_owner (the migration runner sets the role), so the table is owned by a role that has no
-- login, no BYPASSRLS and, with FORCE ROW LEVEL SECURITY, no way past the policies either.
CREATE TABLE tenancy.documents (
  -- Filled from the connection's role when omitted: a tenant never has to (and cannot usefully) name itself.
  tenant_id    text        NOT NULL DEFAULT current_user,
  id           uuid        NOT NULL,
  title        text        NOT NULL,
  owner        text        NOT NULL,
  content_type text        NOT NULL,
  size         integer     NOT NULL CHECK (size >= 0),
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

ALTER TABLE tenancy.documents ENABLE ROW LEVEL SECURITY;
-- FORCE: the owner is bound by the policies too, so a view or SECURITY DEFINER function it owns reveals nothing.
ALTER TABLE tenancy.documents FORCE ROW LEVEL SECURITY;

-- One policy per command, each with every clause that command takes (SELECT and DELETE take USING only,
-- INSERT takes WITH CHECK only). current_user is the tenant's database role: its name is the tenant id.
CREATE POLICY documents_select ON tenancy.documents FOR SELECT TO tenancy_tenant
  USING (tenant_id = current_user);
CREATE POLICY documents_insert ON tenancy.documents FOR INSERT TO tenancy_tenant
  WITH CHECK (tenant_id = current_user);
CREATE POLICY documents_update ON tenancy.documents FOR UPDATE TO tenancy_tenant
  USING (tenant_id = current_user) WITH CHECK (tenant_id = current_user);
CREATE POLICY documents_delete ON tenancy.documents FOR DELETE TO tenancy_tenant
  USING (tenant_id = current_user);

-- What the service needs, and nothing else: no TRUNCATE (it ignores row level security), no REFERENCES, no TRIGGER.
GRANT SELECT, INSERT, UPDATE, DELETE ON tenancy.documents TO tenancy_tenant;
