"""What users read: the weekly digest, its charts, its e-mail, and CSV exports."""
