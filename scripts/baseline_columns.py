"""The baselines' columns of the results tables, in order: the names `metanas adapt` and
`metanas eval` give them in their JSON (`baselines`), and the tables' headings.
Read by scripts/image_default_table.sh and scripts/omniglot_20way.sh."""

NAMES = ["nearest_class_mean_pixels", "linear_pixels", "from_scratch", "nearest_class_mean_features"]
HEADS = ["nearest class mean, raw pixels", "linear classifier, raw pixels",
         "same network from scratch", "nearest class mean, meta-features"]
