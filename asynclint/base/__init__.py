"""What every layer shares: findings, source decoding, node helpers, settings values, cache files."""
