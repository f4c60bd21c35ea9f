"""The CRMs salesbot connects to, with no imports: the CLI's argument parser names them without loading the
models, the sealing library or any connector (`salesbot --help` and `salesbot serve` start fast)."""

KINDS = ("zoho", "hubspot", "fxiaoke", "salesforce")
OAUTH_KINDS = ("zoho", "salesforce")  # connected from Slack through the CRM's consent page; the others: a key (CLI)
