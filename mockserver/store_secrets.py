"""The secrets each store type needs to write, as CreateStore's description tables them.

The mock's deliveries end FAILED into a store lacking one; the contract kit gives its stores all
of them. Both read this table; a test holds it equal to the contract's.
"""

from __future__ import annotations

STORE_SECRETS: dict[str, tuple[str, ...]] = {
    "S3": ("access_key_id", "secret_access_key"),
    "GCS": ("project_id", "service_account_credentials"),
    "AZBLOB": ("account_name", "tenant_id", "client_id", "client_secret"),
}
