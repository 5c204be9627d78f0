"""The LINE Messaging API seen from the bot: the SDK client, outbox delivery, the quota, evidence downloads."""
