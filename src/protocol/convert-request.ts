// Request conversion, one direction per file to keep each readable.

export { type OpenAIToAnthropicOptions, openAIToAnthropicRequest } from './request-to-anthropic.js';
export { anthropicToOpenAIRequest } from './request-to-openai.js';
