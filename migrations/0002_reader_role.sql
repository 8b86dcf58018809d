-- Analysts connect as orderbook_reader: the views and nothing else. Views run with their
-- owner's rights, so the role needs no grant on the tables underneath (each view file grants
-- SELECT on itself). Roles are cluster-wide: another database may have made it already.
do $$
begin
  create role orderbook_reader nologin;
exception
  when duplicate_object then null;
  when unique_violation then null;
end
$$;

grant usage on schema orderbook to orderbook_reader;
revoke all on all tables in schema orderbook from orderbook_reader;
