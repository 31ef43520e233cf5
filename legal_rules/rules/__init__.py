"""The rule files (data, read by legal_rules.loader); a package so that wheels carry them."""
