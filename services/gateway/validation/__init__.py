"""Response validators (the seed's §14): SI annotations and range checks on answers.

Nothing already sent is ever recalled: findings are appended as a note and reported in a
``validation`` field (the response body, or the final streamed chunk).
"""
