"""Implementation of funded PB projects: one record per project a published tally funded (status,
progress, costs and dates, a late flag), public timeline updates with photos, the project's public
story page, and residents who follow a project and get a mail on each update."""
