"""The Alembic migration history of the workspace schema: ``env.py`` and the revisions in ``versions/``.

Alembic loads these files by path (``models.workspace.schema_upgrade`` names the folder), so the frozen build
carries them as data files (``build.spec``).
"""
