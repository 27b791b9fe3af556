"""Views: everything that shows a trace. Views read trace records; they never
recompute mathematics."""
