-- One customer of the `customer-import` baseline.
INSERT INTO customers (customer_id, tenant_id, profile) VALUES (?, ?, ?)
