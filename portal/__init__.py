"""The portal: a learning portal and distance-learning library.

The application is built by ``portal.app.create_app``; this package imports nothing, so that
importing any part of the portal never builds the whole of it."""
