"""Who is responsible for which organisation (负责团干): assignment by hand or in bulk, auto-assign
across a street's officers by open work, and the handover when an officer is deactivated."""
