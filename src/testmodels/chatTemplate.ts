/**
 * The chat template (Jinja, tokenizer.chat_template) of the generated models: the
 * messages' contents back to back, an assistant message followed by EOS, and no
 * generation prompt, so the model's reply continues the text of the last message.
 * With the oracle model that makes a reply predictable from the user's last words.
 */
export const TEST_CHAT_TEMPLATE =
  "{% for message in messages %}" +
  "{% if message['role'] == 'assistant' %}{{ message['content'] }}{{ eos_token }}" +
  "{% else %}{{ message['content'] }}{% endif %}" +
  "{% endfor %}";
