"""Who is calling: the mock's own accounts and tokens, and the spec's security applied.

accounts          who may log in: an accounts file, or anyone
tokens            the session tokens issued and the principal each speaks for
security          may this request call this operation, and as whom
"""
