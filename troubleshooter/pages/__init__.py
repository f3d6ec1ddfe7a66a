"""The page map at work: what "shown" means, saved pages, self-diagnosis and `pages check`."""
