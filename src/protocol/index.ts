// Public API of the wire-protocol layer: pure functions and classes, no I/O.
export { AnthropicStreamAssembler } from './assemble-anthropic.js';
export { OpenAIChatStreamAssembler } from './assemble-openai.js';
export {
  anthropicToOpenAIRequest,
  type OpenAIToAnthropicOptions,
  openAIToAnthropicRequest,
} from './convert-request.js';
export {
  type AnthropicToOpenAIResponseOptions,
  anthropicToOpenAIResponse,
  openAIToAnthropicResponse,
} from './convert-response.js';
export {
  AnthropicToOpenAIStream,
  type AnthropicToOpenAIStreamOptions,
  OpenAIToAnthropicStream,
} from './convert-stream.js';
export {
  anthropicErrorBody,
  anthropicErrorTypeForStatus,
  extractUpstreamErrorMessage,
  openAIErrorBody,
  openAIErrorTypeForStatus,
} from './error-shapes.js';
export { ProtocolError, type ProtocolErrorOptions } from './errors.js';
export {
  anthropicStopReason,
  anthropicUsageFromOpenAI,
  openAIFinishReason,
  openAIUsageFromAnthropic,
} from './mapping.js';
export {
  ChatToResponsesStream,
  chatToResponsesResponse,
  ResponsesStreamAssembler,
  responsesFailureEvents,
  responsesToChatRequest,
  responsesUsageFromChat,
  validateResponsesRequest,
} from './responses/index.js';
export { formatSse, SseDecoder } from './sse.js';
export type { JsonObject, SseEvent, WireProtocol } from './types.js';
export { formatPath, validateAnthropicMessagesRequest, validateOpenAIChatRequest } from './validate.js';
