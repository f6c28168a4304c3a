"""Test-only outlets and the replicas the crawler is tested against, one folder per outlet."""
