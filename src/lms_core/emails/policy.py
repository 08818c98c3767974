"""The emails module has no authorization rules: no actor reaches it; the use cases that request an e-mail
have already decided who may cause it, and the recipient is always the account the e-mail is about."""
