// OpenAI Responses API: validation, translation to/from Chat Completions, stream assembly.
export { ResponsesStreamAssembler } from './assemble.js';
export { responsesToChatRequest } from './request-to-chat.js';
export { chatToResponsesResponse } from './response-from-chat.js';
export { failureEvents as responsesFailureEvents, responsesUsageFromChat } from './shape.js';
export { ChatToResponsesStream } from './stream-from-chat.js';
export { validateResponsesRequest } from './validate.js';
