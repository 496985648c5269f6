"""The imperative shell: discovery, batching, Prefect tasks, Parquet writing, the ledger, the CLI."""
