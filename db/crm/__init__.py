"""Live CRM sync (issue 14): connectors (zoho, hubspot, fxiaoke, salesforce), the sync engine, connections and
their sealed credentials.

- `connector.py`: the one interface (`Connector`, `Page`, `Owner`), the shared HTTP client `Api` (token refresh
  ahead of expiry and on a 401, rate-limit waits) and its errors (`Revoked`, `RateLimited`, `CrmError`);
- `zoho.py`, `hubspot.py`, `fxiaoke.py`, `salesforce.py`: one module per CRM;
- `sync.py`: `sync_connection(engine, id)` — keyset paging on the modification time, batches written through
  the deals importer with the cursor in the same transaction, deletions and merges, rollups refreshed;
- `oauth.py`: the consent link and its callback (Zoho, Salesforce);
- `connections.py`: the `crmconnection` rows (connect, consent state, lease, outcome);
- `secrets.py`: Fernet sealing with SALESBOT_SECRET_KEY.
Slack-free: handlers/crm.py is the Slack side.
"""
