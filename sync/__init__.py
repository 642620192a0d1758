"""Everything that talks to the sync store (CouchDB or pouchdb-server): the gateway at /sync/field/,
the publisher of server-made documents, the reconciler that folds field documents into SQL."""
