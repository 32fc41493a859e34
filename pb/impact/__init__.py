"""Impact: what participation and the money changed (public), and whom the processes still do not reach (staff)."""
