"""Test support: the dev sync store (pouchdb-server) and simulated PouchDB tablets."""
