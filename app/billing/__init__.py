"""Plans, subscriptions and invoices: what a business pays for and what its plan allows."""
