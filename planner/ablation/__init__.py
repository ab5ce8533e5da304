"""Device library (resources/devices), zone models, thermal estimates."""
