"""What the data means: forecast, pipeline, targets, reviews, compliance, policy, handover."""
