// A small validator for the OpenAPI 3.0 schema keywords the Pinning Service API uses, so the compliance
// test can check each response body against the schema the daemon itself serves in /openapi.json (as
// the upstream compliance suite checks them against the spec's schemas).

export type JsonSchema = Record<string, unknown>

export interface OpenApiDoc {
  components: { schemas: Record<string, JsonSchema> }
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

/** The problems of `value` against `schema`, each with its JSON path; empty when it conforms. */
export function validate(doc: OpenApiDoc, schema: JsonSchema, value: unknown, at = '$'): string[] {
  const ref = schema.$ref
  if (typeof ref === 'string') {
    const name = ref.replace('#/components/schemas/', '')
    const target = doc.components.schemas[name]
    if (target === undefined) return [`${at}: unresolved ${ref}`]
    return validate(doc, target, value, at)
  }
  const errs: string[] = []
  const t = typeOf(value)
  if (value === null) return schema.nullable === true ? [] : [`${at}: null`]
  if (typeof schema.type === 'string' && schema.type !== t && !(schema.type === 'number' && t === 'integer')) {
    return [`${at}: expected ${schema.type}, got ${t}`]
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errs.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`)
  if (typeof value === 'string') {
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) errs.push(`${at}: longer than ${schema.maxLength}`)
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) errs.push(`${at}: does not match ${schema.pattern}`)
    if (schema.format === 'date-time' && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) errs.push(`${at}: not a date-time: ${value}`)
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errs.push(`${at}: below ${schema.minimum}`)
    if (typeof schema.maximum === 'number' && value > schema.maximum) errs.push(`${at}: above ${schema.maximum}`)
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) errs.push(`${at}: fewer than ${schema.minItems} items`)
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errs.push(`${at}: more than ${schema.maxItems} items`)
    if (schema.uniqueItems === true && new Set(value.map((x) => JSON.stringify(x))).size !== value.length) errs.push(`${at}: items not unique`)
    const items = schema.items as JsonSchema | undefined
    if (items !== undefined) value.forEach((x, i) => { errs.push(...validate(doc, items, x, `${at}[${i}]`)) })
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>
    for (const k of (schema.required as string[] | undefined) ?? []) if (!(k in obj)) errs.push(`${at}: missing ${k}`)
    const props = (schema.properties as Record<string, JsonSchema> | undefined) ?? {}
    const extra = schema.additionalProperties as JsonSchema | boolean | undefined
    for (const [k, v] of Object.entries(obj)) {
      const p = props[k]
      if (p !== undefined) errs.push(...validate(doc, p, v, `${at}.${k}`))
      else if (extra === false) errs.push(`${at}: unexpected ${k}`)
      else if (typeof extra === 'object') errs.push(...validate(doc, extra, v, `${at}.${k}`))
    }
  }
  return errs
}
