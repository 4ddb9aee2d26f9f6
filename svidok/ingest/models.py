"""Articles read from the news (issue 12). Each one is kept with an incidents ``Source``."""
