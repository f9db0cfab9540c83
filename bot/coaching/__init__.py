"""The coaching engine: clinical content, triage, daily progression and plans.

Pure Python with no Telegram import: conversations call in, the engine returns decisions and
texts. Content comes from `content/*.yaml` through `content.get_content()`.
"""
