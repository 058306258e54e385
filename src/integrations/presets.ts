import type { Provider } from '../config/upstream.js';

/** An upstream the wizard knows: the protocol, where it lives, and the usual key variable. */
export interface ProviderPreset {
  id: string;
  label: string;
  provider: Provider;
  /** Undefined for `custom`: the user must give the URL. */
  baseUrl?: string;
  keyEnv?: string;
  /** Local servers (Ollama) take no key. */
  needsKey: boolean;
  exampleModel: string;
}

export const PRESETS: readonly ProviderPreset[] = [
  {
    id: 'openai',
    label: 'OpenAI',
    provider: 'openai',
    baseUrl: 'https://api.openai.com/v1',
    keyEnv: 'OPENAI_API_KEY',
    needsKey: true,
    exampleModel: 'gpt-4.1-mini',
  },
  {
    id: 'anthropic',
    label: 'Anthropic',
    provider: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    keyEnv: 'ANTHROPIC_API_KEY',
    needsKey: true,
    exampleModel: 'claude-sonnet-4-5',
  },
  {
    id: 'openrouter',
    label: 'OpenRouter',
    provider: 'openai',
    baseUrl: 'https://openrouter.ai/api/v1',
    keyEnv: 'OPENROUTER_API_KEY',
    needsKey: true,
    exampleModel: 'anthropic/claude-sonnet-4.5',
  },
  {
    id: 'ollama',
    label: 'Ollama (local)',
    provider: 'openai',
    baseUrl: 'http://localhost:11434/v1',
    needsKey: false,
    exampleModel: 'qwen3:8b',
  },
  {
    id: 'moonshot',
    label: 'Moonshot / Kimi',
    provider: 'openai',
    baseUrl: 'https://api.moonshot.ai/v1',
    keyEnv: 'MOONSHOT_API_KEY',
    needsKey: true,
    exampleModel: 'kimi-k2-0905-preview',
  },
  {
    id: 'qwen',
    label: 'Qwen / DashScope',
    provider: 'openai',
    baseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    keyEnv: 'DASHSCOPE_API_KEY',
    needsKey: true,
    exampleModel: 'qwen-plus',
  },
  {
    id: 'custom',
    label: 'Other OpenAI-compatible URL',
    provider: 'openai',
    needsKey: false,
    exampleModel: 'my-model',
  },
];

const ALIASES: Record<string, string> = {
  kimi: 'moonshot',
  dashscope: 'qwen',
  'openai-compatible': 'custom',
  local: 'ollama',
};

export function findPreset(id: string): ProviderPreset | undefined {
  const key = id.toLowerCase();
  return PRESETS.find((p) => p.id === (ALIASES[key] ?? key));
}

export const PRESET_IDS = PRESETS.map((p) => p.id).join('|');
