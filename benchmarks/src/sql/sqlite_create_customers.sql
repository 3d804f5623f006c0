-- The `customer-import` baseline: what a naive store keeps per customer, one row with the
-- profile's values as JSON text, in clear, with no log, no keys and no checks.
CREATE TABLE customers (
    customer_id TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    profile     TEXT NOT NULL
);
