"""The milia triage assistant: NLU components, triage logic, policies, channels and settings."""

import warnings

# Two warnings of Rasa 3.6's config validator that are wrong for this project and would
# only mislead whoever reads the training log (this package is imported before the
# validator runs, because the config names its components):
# - it looks for the exact class RulePolicy and says /restart will not work without it;
#   bot.policies.SafetyNetRulePolicy is a RulePolicy and keeps its default actions;
# - it asks for a trainable entity extractor because the NLU data annotates `answer`
#   entities; those examples exist only so that RegexEntityExtractor uses its regex.
warnings.filterwarnings("ignore", message="'RulePolicy' is not included in the model's policy configuration")
warnings.filterwarnings("ignore", message="You have defined training data consisting of entity examples")
