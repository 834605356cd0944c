import { useState } from 'react';

type Filter = 'all' | 'mine' | 'archived';

export function ThreadList({ threads }: { threads: { id: string; title: string }[] }) {
  const [filter, setFilter] = useState<Filter>('all');
  const onKey = (event: KeyboardEvent) => {
    if (event.type === 'keydown' && event.key === 'Escape') setFilter('all');
  };
  return (
    <ul onKeyDown={onKey as never} data-filter={filter}>
      {threads.map((thread) => (
        <li key={thread.id}>{thread.title}</li>
      ))}
    </ul>
  );
}
