"""Gold: aggregates ready for reports and other teams."""
