"""Evidence files attached to a visit, a founding or an onboarding: checking uploads by content,
re-encoding images without location data, storing them under the instance folder and serving them."""
