/** Renders a named template with public locals to HTML (implemented by src/web/render.ts). */
export type Render = (name: string, locals: Record<string, unknown>) => string;
