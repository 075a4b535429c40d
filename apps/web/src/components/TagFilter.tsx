/** "Tag" filter of a listing toolbar: picking a tag adds it to `selected` (the caller shows and clears chips). */
export function TagFilter({
  tags,
  selected,
  onChange,
}: {
  tags: string[];
  selected: string[];
  onChange: (selected: string[]) => void;
}) {
  return (
    <label className="inline-field">
      <span>Tag</span>
      <select
        value=""
        onChange={(e) => {
          const tag = e.target.value;
          if (tag && !selected.includes(tag)) onChange([...selected, tag]);
        }}
      >
        <option value="">Any</option>
        {tags.map((tag) => (
          <option key={tag} value={tag}>
            {tag}
          </option>
        ))}
      </select>
    </label>
  );
}
