"""Ingestion: bytes of any supported file to clean articles and passages, stored in one transaction."""
