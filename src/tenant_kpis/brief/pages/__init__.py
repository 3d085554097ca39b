"""One module per page of the brief, in page order."""
