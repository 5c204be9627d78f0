"""Every user-facing Thai text, by surface. Python constants: one language, greppable, checked by ruff.

- `texts.chat`: what the bot says in LINE (conversations, scheduler pushes, help, menus)
- `texts.console`: the admin console's own words
- `texts.cli`: what `itabot` prints (and the dev server and demo)
- `texts.documents`: the published documents' wording (Word, Excel, CSV)
- `texts.common`: names every surface shows alike (roles, statuses, complaint types, round schemes)

A text used by several surfaces lives in `common` or in the surface that owns the thing it names.
"""
