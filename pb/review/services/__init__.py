"""Review services by subject: common (who may see what), conflicts, reviews, progress, ranking,
meetings (decisions, minutes, confirmation), notices and public. They flush and never commit; the
view commits once. A refused change raises :class:`pb.review.services.common.ReviewRuleError`."""
