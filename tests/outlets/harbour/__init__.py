"""The Harbour Gazette: a fictional English news site that exists only in the tests, to prove
that the shared crawler code serves a second outlet (issue 17). See README.md beside this file."""
