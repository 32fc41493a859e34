"""Staff pages: the dashboard, background jobs and mail, and (admins only) users and roles."""
