"""Go look, go see: evidence about a contact's e-mail address and company domain."""
