"""The Telegram side: what handlers can reach (context), keyboards and callback data, the
persistence of conversation state, the error handler, the nudge sender and how a nudge looks.
Conversations build on it; the services below never import it."""
