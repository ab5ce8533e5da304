"""Report content (what the plan report says, from the session's readouts), the SINS calculator and
PDF layout. No Qt or VTK: key images are rendered by :mod:`planner.render.key_images` and passed in."""
